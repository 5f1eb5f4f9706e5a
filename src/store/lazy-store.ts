import { StoreUnavailableError } from './errors.js';
import { openStore, type OpenStoreOptions, type Store } from './store.js';

/**
 * The store, opened (and migrated) on first use and again after a failure: a database that is
 * down when the App starts, or goes down later, delays the work that needs it (each call
 * throws StoreUnavailableError until it answers) instead of stopping the App.
 */
export class LazyStore {
  private opening?: Promise<Store>;
  constructor(private readonly o: OpenStoreOptions) {}

  get(): Promise<Store> {
    this.opening ??= openStore(this.o).catch((err: unknown) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  /** Runs `f` on the store; an unavailable database is retried by the caller (the queue), nothing is lost. */
  async use<T>(f: (s: Store) => Promise<T>): Promise<T> {
    const s = await this.get();
    return f(s);
  }

  async close(): Promise<void> {
    const s = await this.opening?.catch(() => undefined);
    this.opening = undefined;
    await s?.close();
  }

  static isUnavailable(err: unknown): err is StoreUnavailableError {
    return err instanceof StoreUnavailableError;
  }
}
