/** One read of a stored value into app-config. */
export interface AppConfigSecretUse {
  name: string;
  version: number;
  /** ISO-8601 */
  at: string;
  /** The first load, while the backend starts; otherwise a live reload. */
  startup: boolean;
}

/** What the page shows of a secret used in app-config. */
export interface AppConfigSecretSummary {
  /** The app-config keys that reference it. */
  paths: string[];
  /** The version the backend loaded at start-up; absent when it had none. */
  loadedVersion?: number;
}

type Listener = (uses: AppConfigSecretUse[]) => void;

/**
 * What the root config factory loaded, for the secrets plugin of the same
 * process: the factory starts before any plugin and has no auditor, so it
 * records each read here and the plugin, once it starts, audits them and
 * records the last use (`app-config`). Holds names, keys and versions,
 * never a value.
 */
export class AppConfigSecretsState {
  #active = false;
  #paths = new Map<string, string[]>();
  #startupVersions = new Map<string, number>();
  #pending: AppConfigSecretUse[] = [];
  #listeners = new Set<Listener>();
  #stopLoader: (() => Promise<void>) | undefined;

  /**
   * Called by the factory on its first load (a new backend in this
   * process); stops the polling of the previous one, if any (a backend
   * does not close its root config when it stops).
   */
  reset(paths: Map<string, string[]>): void {
    void this.#stopLoader?.();
    this.#stopLoader = undefined;
    this.#active = true;
    this.#paths = new Map(paths);
    this.#startupVersions.clear();
    this.#pending = [];
  }

  /** Registers how to stop the polling of the current root config. */
  stopWith(stop: () => Promise<void>): void {
    this.#stopLoader = stop;
  }

  /** Whether a root config from secretsRootConfigServiceFactory runs here. */
  get active(): boolean {
    return this.#active;
  }

  /** Records the stored values a load substituted. */
  loaded(versions: Map<string, number>, startup: boolean): void {
    const at = new Date().toISOString();
    const uses: AppConfigSecretUse[] = [];
    for (const [name, version] of versions) {
      if (!this.#paths.has(name)) continue;
      if (startup) this.#startupVersions.set(name, version);
      uses.push({ name, version, at, startup });
    }
    if (uses.length === 0) return;
    if (this.#listeners.size === 0) {
      this.#pending.push(...uses);
    } else {
      this.#listeners.forEach(listener => listener(uses));
    }
  }

  /** Receives the reads so far, then every later one; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    const pending = this.#pending.splice(0);
    if (pending.length > 0) listener(pending);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The keys and start-up version of a secret referenced by app-config. */
  summary(name: string): AppConfigSecretSummary | undefined {
    const paths = this.#paths.get(name);
    if (!this.#active || !paths) return undefined;
    const loadedVersion = this.#startupVersions.get(name);
    return loadedVersion === undefined
      ? { paths: [...paths] }
      : { paths: [...paths], loadedVersion };
  }
}

/** The one state of this process. */
export const appConfigSecrets = new AppConfigSecretsState();
