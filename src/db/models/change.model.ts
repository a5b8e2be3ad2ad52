import type { InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/**
 * The latest change of one todo, list or label of a user (the change feed, compacted): written by
 * triggers only (migration 2026.12.01T16.00.00); services read it through `ownedBy`.
 */
@Table({ tableName: 'changes', timestamps: false })
export class Change extends Model<InferAttributes<Change>, InferCreationAttributes<Change>> {
  @Column({ type: DataType.UUID, primaryKey: true })
  declare user_id: string;

  @Column({ type: DataType.TEXT, primaryKey: true })
  declare type: 'todo' | 'list' | 'label';

  @Column({ type: DataType.UUID, primaryKey: true })
  declare id: string;

  /** The user's change_seq when it was recorded: feed order. A bigint, read as a string. */
  @Column({ type: DataType.BIGINT, allowNull: false })
  declare seq: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare op: 'upsert' | 'delete';

  /** The object's version after the change (before it, for a delete). */
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare version: number;

  @Column({ type: DataType.DATE, allowNull: false })
  declare changed_at: Date;
}

export type ChangeRow = InferAttributes<Change>;
