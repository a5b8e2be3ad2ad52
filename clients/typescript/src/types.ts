import type { components, paths } from './schema.js';

// Friendly names for the generated contract types: nothing here is written by hand.

type Schemas = components['schemas'];

export type Todo = Schemas['Todo'];
export type TodoCreate = Schemas['TodoCreate'];
export type TodoPatch = Schemas['TodoPatch'];
export type TodoList = Schemas['TodoList'];
export type TodoMove = Schemas['TodoMove'];
export type Priority = Todo['priority'];
export type Label = Schemas['Label'];
export type LabelCreate = Schemas['LabelCreate'];
export type LabelPatch = Schemas['LabelPatch'];
export type LabelList = Schemas['LabelList'];
export type List = Schemas['List'];
export type ListCreate = Schemas['ListCreate'];
export type ListPatch = Schemas['ListPatch'];
export type ListMove = Schemas['ListMove'];
export type ListPage = Schemas['ListPage'];
export type Change = Schemas['Change'];
export type TodoChange = Schemas['TodoChange'];
export type ListChange = Schemas['ListChange'];
export type LabelChange = Schemas['LabelChange'];
export type ChangeList = Schemas['ChangeList'];
export type LatestChange = Schemas['LatestChange'];
export type Webhook = Schemas['Webhook'];
export type WebhookWithSecret = Schemas['WebhookWithSecret'];
export type WebhookCreate = Schemas['WebhookCreate'];
export type WebhookPatch = Schemas['WebhookPatch'];
export type WebhookList = Schemas['WebhookList'];
export type WebhookAttempt = Schemas['WebhookAttempt'];
export type WebhookAttemptList = Schemas['WebhookAttemptList'];
export type WebhookTestResult = Schemas['WebhookTestResult'];
/** The body of a `todo.*` event. */
export type TodoEvent = Schemas['TodoEvent'];
/** The body of a `list.*` event. */
export type ListEvent = Schemas['ListEvent'];
/** The body of a `label.*` event. */
export type LabelEvent = Schemas['LabelEvent'];
/** The body of `webhook.test` (POST /v1/webhooks/{id}/test). */
export type TestEvent = Schemas['TestEvent'];
/** Any event the service sends to a webhook endpoint: narrow it by `type`. */
export type WebhookEvent = TodoEvent | ListEvent | LabelEvent | TestEvent;
/** Every event type, `webhook.test` included. */
export type WebhookEventType = WebhookEvent['type'];
/** A webhook's `events` entry: an event type or `*` (all of them). */
export type WebhookSubscription = WebhookCreate['events'][number];
export type CurrentUser = Schemas['CurrentUser'];
export type AccountExport = Schemas['AccountExport'];
export type Problem = Schemas['Problem'];
export type ProblemCode = Problem['code'];
export type FieldError = Schemas['FieldError'];
export type Liveness = Schemas['Liveness'];
export type Readiness = Schemas['Readiness'];
export type OpenAPIDocument = Schemas['OpenAPIDocument'];
type TodosQuery = NonNullable<paths['/v1/todos']['get']['parameters']['query']>;
/**
 * The query of `GET /v1/todos`: filters, sort, `limit` and `cursor`. `priority` and `label_id`
 * also take arrays (`['high', 'urgent']`), sent comma-separated.
 */
export type ListTodosQuery = Omit<TodosQuery, 'priority' | 'label_id'> & {
  /** Only these priorities: `['high', 'urgent']`, or the spec's comma-separated string `'high,urgent'`. */
  priority?: readonly Priority[] | TodosQuery['priority'];
  /** Only todos with any of these labels (up to 20 ids): an array, or one id or several separated by commas. */
  label_id?: readonly string[] | TodosQuery['label_id'];
};
/** A listing's query without `cursor`: what `todos.iterate` walks through. */
export type TodoFilters = Omit<ListTodosQuery, 'cursor'>;

/** The query of `GET /v1/labels`: `limit` and `cursor`. */
export type ListLabelsQuery = NonNullable<paths['/v1/labels']['get']['parameters']['query']>;

/** The query of `GET /v1/lists`: `archived`, `limit` and `cursor`. */
export type ListListsQuery = NonNullable<paths['/v1/lists']['get']['parameters']['query']>;

/** The query of `GET /v1/webhooks`: `limit` and `cursor`. */
export type ListWebhooksQuery = NonNullable<paths['/v1/webhooks']['get']['parameters']['query']>;

/** The query of `GET /v1/webhooks/{id}/deliveries`: `limit` and `cursor`. */
export type ListDeliveriesQuery = NonNullable<paths['/v1/webhooks/{id}/deliveries']['get']['parameters']['query']>;

/** The query of `GET /v1/changes`: `cursor` and `limit`. */
export type ListChangesQuery = NonNullable<paths['/v1/changes']['get']['parameters']['query']>;

export type { components, paths } from './schema.js';
