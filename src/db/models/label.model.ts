import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** A label. Every row belongs to one user; services reach it only through `ownedBy` (src/db/user-scope.ts). */
@Table({ tableName: 'labels', timestamps: false })
export class Label extends Model<InferAttributes<Label>, InferCreationAttributes<Label>> {
  @Column({ type: DataType.UUID, primaryKey: true })
  declare id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare user_id: string;

  /** Unique per user ignoring case (index labels_user_name_key). */
  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;

  /** `#rrggbb`, lower-case, or null. */
  @Column({ type: DataType.TEXT, allowNull: true })
  declare color: string | null;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 1 })
  declare version: CreationOptional<number>;

  @Column({ type: DataType.DATE, allowNull: false })
  declare created_at: Date;

  @Column({ type: DataType.DATE, allowNull: false })
  declare updated_at: Date;
}

/** A label's columns as plain data: what the label service returns. */
export type LabelRow = InferAttributes<Label>;

/** Every column, named: no statement selects or returns `*`. */
export const LABEL_COLUMNS = ['id', 'user_id', 'name', 'color', 'version', 'created_at', 'updated_at'] as const satisfies ReadonlyArray<keyof LabelRow>;
