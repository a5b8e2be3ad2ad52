// The fields of the API's objects that the checks read (the spec validates the rest).

export interface Todo {
  id: string;
  title: string;
  description: string | null;
  completed: boolean;
  completed_at: string | null;
  version: number;
  list_id: string;
  parent_id: string | null;
  label_ids: string[];
  position: string;
  subtask_count: number;
  open_subtask_count: number;
}

export interface TodoList {
  id: string;
  name: string;
  is_default: boolean;
  archived: boolean;
  position: string;
  todo_count: number;
  version: number;
}

export interface Label {
  id: string;
  name: string;
  color: string | null;
  version: number;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Change {
  seq: number;
  type: string;
  op: 'upsert' | 'delete';
  id: string;
  version: number;
  data: unknown;
}

export interface ChangePage {
  data: Change[];
  next_cursor: string;
  has_more: boolean;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

/** A UUID that no deployment has handed out (all zeros but the version and variant bits). */
export const MISSING_ID = '00000000-0000-7000-8000-000000000000';
