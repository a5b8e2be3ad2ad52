import { AsyncLocalStorage } from 'node:async_hooks';

type Store = Map<string, unknown>;

const storage = new AsyncLocalStorage<Store>();

/**
 * The CLS namespace Sequelize uses to find the current request's transaction.
 * `run` gives each call a copy of its parent's store and calls `fn` synchronously,
 * which is what Sequelize expects; `enterWith` would leak stores across requests
 * (sequelize#13113).
 */
export const clsNamespace = {
  run<T>(fn: (store: Store) => T): T {
    const store: Store = new Map(storage.getStore());
    return storage.run(store, () => fn(store));
  },
  get(key: string): unknown {
    return storage.getStore()?.get(key);
  },
  set<T>(key: string, value: T): T {
    const store = storage.getStore();
    if (!store) throw new Error(`CLS: set("${key}") called outside of a run() context`);
    store.set(key, value);
    return value;
  },
  bind<F extends (...args: never[]) => unknown>(fn: F): F {
    return AsyncLocalStorage.bind(fn);
  },
};
