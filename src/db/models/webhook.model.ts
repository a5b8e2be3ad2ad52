import type { CreationOptional, InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** A webhook endpoint of one user (migration 2026.12.01T17.00.00); services reach it only through `ownedBy`. */
@Table({ tableName: 'webhooks', timestamps: false })
export class Webhook extends Model<InferAttributes<Webhook>, InferCreationAttributes<Webhook>> {
  @Column({ type: DataType.UUID, primaryKey: true })
  declare id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare user_id: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare url: string;

  /** Event types, or `['*']`. */
  @Column({ type: DataType.ARRAY(DataType.TEXT), allowNull: false })
  declare events: string[];

  @Column({ type: DataType.TEXT, allowNull: true })
  declare description: string | null;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: true })
  declare enabled: CreationOptional<boolean>;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare disabled_reason: string | null;

  /** The signing secret (`whsec_…`): in no response but the create's and rotate-secret's. */
  @Column({ type: DataType.TEXT, allowNull: false })
  declare secret: string;

  /** After a rotation, the old secret signs alongside the new one until previous_secret_expires_at. */
  @Column({ type: DataType.TEXT, allowNull: true })
  declare previous_secret: string | null;

  @Column({ type: DataType.DATE, allowNull: true })
  declare previous_secret_expires_at: Date | null;

  @Column({ type: DataType.DATE, allowNull: true })
  declare failing_since: Date | null;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 1 })
  declare version: CreationOptional<number>;

  @Column({ type: DataType.DATE, allowNull: false })
  declare created_at: Date;

  @Column({ type: DataType.DATE, allowNull: false })
  declare updated_at: Date;
}

export type WebhookRow = InferAttributes<Webhook>;

/** The columns a response may show: never the secrets. */
export const WEBHOOK_COLUMNS = [
  'id', 'user_id', 'url', 'events', 'description', 'enabled', 'disabled_reason', 'version', 'created_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof WebhookRow>;

export type WebhookPublicRow = Pick<WebhookRow, (typeof WEBHOOK_COLUMNS)[number]>;
