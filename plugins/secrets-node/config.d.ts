export interface Config {
  secrets?: {
    /** Settings of the secrets service client that backend plugins use. */
    client?: {
      /**
       * How long a plugin keeps a value it read while change events arrive
       * (`secrets.changed` through Backstage's events service): a change
       * drops the value at once, this bounds how long a missed event can
       * leave it stale. Default 1 minute, e.g. `{ minutes: 1 }` or `'1m'`.
       */
      maxStaleness?: { [unit: string]: number } | string;
      /**
       * How long, in milliseconds, a plugin reuses a value it read when
       * change events are not available or not trusted (no subscription, a
       * secrets backend instance stopped sending heartbeats). Bounds how
       * stale a value can be then. Default 500; 0 disables reuse then.
       */
      cacheTtlMilliseconds?: number;
      /**
       * How many answers a plugin's client keeps in memory at most (a
       * shared value and each user's own value count apart, as does "not
       * set"). Beyond it the least recently read is dropped, to be read
       * again from the backend when next needed. Default 10000; at least 1.
       */
      cacheMaxEntries?: number;
    };
  };
}
