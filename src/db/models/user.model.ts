import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** A caller, created on the first request with a new token subject. */
@Table({ tableName: 'users', timestamps: false })
export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  @Column({ type: DataType.UUID, primaryKey: true })
  declare id: string;

  /** The identity provider's `sub` claim, exactly as sent. */
  @Column({ type: DataType.TEXT, allowNull: false, unique: true })
  declare subject: string;

  @Column({ type: DataType.TEXT, allowNull: true, unique: true })
  declare email: string | null;

  /** How many todos the user has: kept by triggers on todos (migration 2026.12.01T13.10.00), read instead of counting. */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare todo_count: CreationOptional<number>;

  /** How many labels the user has: kept by triggers on labels (migration 2026.12.01T14.00.00). */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare label_count: CreationOptional<number>;

  /** How many lists the user has, the default one included: kept by triggers on lists (migration 2026.12.01T15.00.00). */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare list_count: CreationOptional<number>;

  /** How many end positions were handed out: fractional_key(position_seq) is the last (migration 2026.12.01T15.00.00). */
  @Column({ type: DataType.BIGINT, allowNull: false, defaultValue: 0 })
  declare position_seq: CreationOptional<string>;

  /** The user's last change-feed seq, bumped by the feed's triggers under this row's lock (migration 2026.12.01T16.00.00). */
  @Column({ type: DataType.BIGINT, allowNull: false, defaultValue: 0 })
  declare change_seq: CreationOptional<string>;

  /** The greatest seq of a deletion the retention sweep removed: a feed cursor before it is a 410. */
  @Column({ type: DataType.BIGINT, allowNull: false, defaultValue: 0 })
  declare changes_purged_through: CreationOptional<string>;

  /** How many webhooks the user has: kept by triggers on webhooks (migration 2026.12.01T17.00.00). */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare webhook_count: CreationOptional<number>;

  @Column({ type: DataType.DATE, allowNull: false })
  declare created_at: Date;

  @Column({ type: DataType.DATE, allowNull: false })
  declare updated_at: Date;
}
