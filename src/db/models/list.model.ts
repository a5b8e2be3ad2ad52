import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** A list of todos. Every row belongs to one user; services reach it only through `ownedBy` (src/db/user-scope.ts). */
@Table({ tableName: 'lists', timestamps: false })
export class List extends Model<InferAttributes<List>, InferCreationAttributes<List>> {
  @Column({ type: DataType.UUID, primaryKey: true })
  declare id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare user_id: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;

  /** `#rrggbb`, lower-case, or null. */
  @Column({ type: DataType.TEXT, allowNull: true })
  declare color: string | null;

  /** A fractional-indexing key, compared bytewise (COLLATE "C"), among the user's lists. */
  @Column({ type: DataType.TEXT, allowNull: false })
  declare position: string;

  /** The user's one default list (made with the user, by a trigger): it cannot be deleted or archived. */
  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: false })
  declare is_default: CreationOptional<boolean>;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: false })
  declare archived: CreationOptional<boolean>;

  /** Kept by triggers on todos (migration 2026.12.01T15.00.00): read, never counted. */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare todo_count: CreationOptional<number>;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare open_todo_count: CreationOptional<number>;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 1 })
  declare version: CreationOptional<number>;

  @Column({ type: DataType.DATE, allowNull: false })
  declare created_at: Date;

  @Column({ type: DataType.DATE, allowNull: false })
  declare updated_at: Date;
}

/** A list's columns as plain data: what the list service returns. */
export type ListRow = InferAttributes<List>;

/** Every column, named: no statement selects or returns `*`. */
export const LIST_COLUMNS = [
  'id',
  'user_id',
  'name',
  'color',
  'position',
  'is_default',
  'archived',
  'todo_count',
  'open_todo_count',
  'version',
  'created_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof ListRow>;
