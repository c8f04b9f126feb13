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
      /**
       * How often a plugin reads the secrets backend's change counter (with
       * its own token). When the counter moved, every value the plugin
       * keeps is dropped, so a missed or faked change event keeps a value
       * stale for at most this long. Default 10 seconds.
       */
      checkInterval?: { [unit: string]: number } | string;
      /**
       * The longest heartbeat interval a plugin believes from an event
       * (anyone with a service token can publish one): longer claims are
       * clamped to it. Default 1 minute.
       */
      maxHeartbeatInterval?: { [unit: string]: number } | string;
      /**
       * `maxStaleness` never exceeds this (a higher setting is clamped, with
       * a warning). Default 5 minutes.
       */
      maxStalenessCap?: { [unit: string]: number } | string;
    };
  };
}
