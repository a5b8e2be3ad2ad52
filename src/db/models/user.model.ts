import { Column, DataType, HasMany, Model, Table } from 'sequelize-typescript';
import { Todo } from './todo.model.js';

@Table({ tableName: 'users', timestamps: true, createdAt: 'created_at', updatedAt: 'updated_at' })
export class User extends Model {
  @Column({ type: DataType.UUID, primaryKey: true })
  declare id: string;

  /** The identity provider's `sub` claim. */
  @Column({ type: DataType.TEXT, allowNull: false, unique: true })
  declare subject: string;

  @Column({ type: DataType.TEXT, allowNull: true, unique: true })
  declare email: string | null;

  @Column({ type: DataType.DATE })
  declare created_at: Date;

  @Column({ type: DataType.DATE })
  declare updated_at: Date;

  @HasMany(() => Todo, { foreignKey: 'user_id' })
  declare todos?: Todo[];
}
