import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** A todo. Every row belongs to one user; services reach it only through `ownedBy` (src/db/user-scope.ts). */
@Table({ tableName: 'todos', timestamps: false })
export class Todo extends Model<InferAttributes<Todo>, InferCreationAttributes<Todo>> {
  @Column({ type: DataType.UUID, primaryKey: true })
  declare id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare user_id: string;

  /** The list it is in; its subtasks are always in the same one (foreign key (parent_id, list_id)). */
  @Column({ type: DataType.UUID, allowNull: false })
  declare list_id: string;

  /** The todo it is a subtask of, or null for a top-level todo. */
  @Column({ type: DataType.UUID, allowNull: true })
  declare parent_id: string | null;

  /** A fractional-indexing key, compared bytewise (COLLATE "C"), among the todos of the same list and parent. */
  @Column({ type: DataType.TEXT, allowNull: false })
  declare position: string;

  /** The caller's labels on it, in the order given; todo_labels is kept from it by a trigger. */
  @Column({ type: DataType.ARRAY(DataType.UUID), allowNull: false, defaultValue: [] })
  declare label_ids: CreationOptional<string[]>;

  /** Kept by triggers on its subtasks' rows. */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare subtask_count: CreationOptional<number>;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare open_subtask_count: CreationOptional<number>;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare title: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare description: string | null;

  @Column({ type: DataType.BOOLEAN, allowNull: false })
  declare completed: boolean;

  @Column({ type: DataType.DATE, allowNull: true })
  declare completed_at: Date | null;

  @Column({ type: DataType.DATE, allowNull: true })
  declare due_at: Date | null;

  /** 0 none, 1 low, 2 medium, 3 high, 4 urgent: stored as a number so that it sorts by rank. */
  @Column({ type: DataType.SMALLINT, allowNull: false })
  declare priority: number;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 1 })
  declare version: CreationOptional<number>;

  @Column({ type: DataType.DATE, allowNull: false })
  declare created_at: Date;

  @Column({ type: DataType.DATE, allowNull: false })
  declare updated_at: Date;
}

/** A todo's columns as plain data: what the todo service returns. */
export type TodoRow = InferAttributes<Todo>;

/** Every column, named: no statement selects or returns `*`. */
export const TODO_COLUMNS = [
  'id',
  'user_id',
  'list_id',
  'parent_id',
  'position',
  'label_ids',
  'subtask_count',
  'open_subtask_count',
  'title',
  'description',
  'completed',
  'completed_at',
  'due_at',
  'priority',
  'version',
  'created_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof TodoRow>;
