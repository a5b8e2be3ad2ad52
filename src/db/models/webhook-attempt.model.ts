import type { InferAttributes, InferCreationAttributes } from 'sequelize';
import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** One HTTP attempt to deliver an event to an endpoint: written by the webhook worker, read by GET /v1/webhooks/{id}/deliveries. */
@Table({ tableName: 'webhook_attempts', timestamps: false })
export class WebhookAttempt extends Model<InferAttributes<WebhookAttempt>, InferCreationAttributes<WebhookAttempt>> {
  @Column({ type: DataType.UUID, primaryKey: true })
  declare id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare delivery_id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare webhook_id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare user_id: string;

  @Column({ type: DataType.UUID, allowNull: false })
  declare event_id: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare event_type: string;

  /** 1 for the first attempt of the delivery. */
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare attempt: number;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare status: 'succeeded' | 'failed';

  @Column({ type: DataType.INTEGER, allowNull: true })
  declare response_status: number | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare error: string | null;

  @Column({ type: DataType.INTEGER, allowNull: false })
  declare duration_ms: number;

  /** When the next attempt is due; null when this was the last one. */
  @Column({ type: DataType.DATE, allowNull: true })
  declare next_attempt_at: Date | null;

  @Column({ type: DataType.DATE, allowNull: false })
  declare created_at: Date;
}

export type WebhookAttemptRow = InferAttributes<WebhookAttempt>;

export const WEBHOOK_ATTEMPT_COLUMNS = [
  'id', 'delivery_id', 'webhook_id', 'user_id', 'event_id', 'event_type', 'attempt', 'status', 'response_status', 'error', 'duration_ms', 'next_attempt_at', 'created_at',
] as const satisfies ReadonlyArray<keyof WebhookAttemptRow>;
