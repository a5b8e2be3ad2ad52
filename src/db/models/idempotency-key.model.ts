import type { InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** A stored first response to a write that carried an Idempotency-Key. */
@Table({ tableName: 'idempotency_keys', timestamps: false })
export class IdempotencyKey extends Model<InferAttributes<IdempotencyKey>, InferCreationAttributes<IdempotencyKey>> {
  @Column({ type: DataType.UUID, primaryKey: true })
  declare user_id: string;

  @Column({ type: DataType.TEXT, primaryKey: true })
  declare key: string;

  /** SHA-256 of the method, path and canonical JSON body of the first request. */
  @Column({ type: DataType.TEXT, allowNull: false })
  declare fingerprint: string;

  @Column({ type: DataType.SMALLINT, allowNull: false })
  declare status: number;

  @Column({ type: DataType.JSONB, allowNull: false })
  declare headers: Record<string, string>;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare body: string | null;

  @Column({ type: DataType.DATE, allowNull: false })
  declare created_at: Date;

  @Column({ type: DataType.DATE, allowNull: false })
  declare expires_at: Date;
}
