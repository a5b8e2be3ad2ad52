import { BelongsTo, Column, DataType, ForeignKey, Model, Table } from 'sequelize-typescript';
import { User } from './user.model.js';

@Table({ tableName: 'todos', timestamps: true, createdAt: 'created_at', updatedAt: 'updated_at' })
export class Todo extends Model {
  @Column({ type: DataType.UUID, primaryKey: true })
  declare id: string;

  @ForeignKey(() => User)
  @Column({ type: DataType.UUID, allowNull: false })
  declare user_id: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare title: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare description: string | null;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: false })
  declare completed: boolean;

  @Column({ type: DataType.DATE, allowNull: true })
  declare completed_at: Date | null;

  @Column({ type: DataType.DATE, allowNull: true })
  declare due_at: Date | null;

  /** 0 none, 1 low, 2 medium, 3 high, 4 urgent: stored as a number so that it sorts by rank. */
  @Column({ type: DataType.SMALLINT, allowNull: false, defaultValue: 0 })
  declare priority: number;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 1 })
  declare version: number;

  @Column({ type: DataType.DATE })
  declare created_at: Date;

  @Column({ type: DataType.DATE })
  declare updated_at: Date;

  @BelongsTo(() => User, { foreignKey: 'user_id', onDelete: 'CASCADE' })
  declare user?: User;
}
