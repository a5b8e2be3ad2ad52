export interface OrderedTodo {
  id: string;
  due_at: string | null;
  priority: string;
  created_at: string;
  updated_at: string;
  position?: string;
}

const PRIORITY_ORDER = ['none', 'low', 'medium', 'high', 'urgent'];

/** The order the contract promises for a sort, computed independently of the SQL. */
export function expectedOrder<T extends OrderedTodo>(rows: T[], sort: string): string[] {
  const field = sort.replace(/^-/, '') as 'due_at' | 'priority' | 'created_at' | 'updated_at' | 'position';
  const desc = sort.startsWith('-');
  // Positions compare bytewise (COLLATE "C"); JavaScript's < on these ASCII keys does the same.
  const key = (r: T): number | string => {
    if (field === 'position') return r.position ?? '';
    if (field === 'priority') return PRIORITY_ORDER.indexOf(r.priority);
    if (field === 'due_at') return r.due_at === null ? Number.POSITIVE_INFINITY : Date.parse(r.due_at);
    return Date.parse(r[field]);
  };
  return [...rows]
    .sort((a, b) => {
      const c = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return desc ? -c : c;
    })
    .map((r) => r.id);
}
