import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { type Config, readDurationFromConfig } from '@backstage/config';
import {
  durationToMilliseconds,
  type HumanDuration,
  type JsonObject,
  type JsonValue,
} from '@backstage/types';
import type { SecretDefinition } from '@backstage-secrets/plugin-secrets-node';

/*
 * Every app-config key the secrets backend reads (`secrets.*`, and the two
 * Backstage keys it depends on), with its type, default and validation, in
 * one place; config.d.ts documents them for operators. The other folders
 * get typed values from here and never read app-config themselves.
 *
 * Each reader reads when it is called: the wiring calls the start-up ones
 * once, while the plugin starts, so that an invalid value stops it with an
 * error naming the key; the per-name lookups (pins, readers) read on every
 * call, so they answer with what the config service holds at that moment.
 */

/** Versions kept per shared secret when `secrets.history.keep` is not set. */
export const DEFAULT_HISTORY_KEEP = 10;

/** How often each instance says it is alive on the event bus, by default. */
const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;

/** One entry of `secrets.encryption.keys`, as written (crypto/ validates it). */
export interface ConfiguredKey {
  id: unknown;
  secret: unknown;
}

const DURATION_UNITS: Array<keyof HumanDuration> = [
  'years',
  'months',
  'weeks',
  'days',
  'hours',
  'minutes',
  'seconds',
  'milliseconds',
];

/**
 * A rotation interval or threshold must be a positive duration: a zero one
 * would make every value overdue the moment it is set. Also applied to the
 * definitions' own `rotateEvery` (registry/).
 */
export function requirePositiveDuration(
  duration: unknown,
  where: string,
): HumanDuration {
  const isDuration =
    typeof duration === 'object' &&
    duration !== null &&
    !Array.isArray(duration) &&
    Object.keys(duration).length > 0 &&
    Object.entries(duration).every(
      ([unit, amount]) =>
        DURATION_UNITS.includes(unit as keyof HumanDuration) &&
        typeof amount === 'number' &&
        Number.isFinite(amount) &&
        amount >= 0,
    );
  if (!isDuration || durationToMilliseconds(duration as HumanDuration) <= 0) {
    throw new Error(
      `${where} must be a positive duration, e.g. { days: 90 }, 'P90D' or '90 days'.`,
    );
  }
  return duration as HumanDuration;
}

const DEFINITIONS_KEY = 'secrets.definitions';
const DEFINITION_KEYS = new Set([
  'name',
  'description',
  'obtainUrl',
  'obtainLabel',
  'format',
  'readers',
  'rotateEvery',
  'appConfig',
  'scope',
  'entityKinds',
]);
const PROXY_ENDPOINTS_KEY = 'secrets.proxy.endpoints';
const RECIPIENTS_KEY = 'secrets.reminders.recipients';
const DEFAULT_RECIPIENTS = ['group:default/admins'];
/** `kind:name` or `kind:namespace/name`, as the notifications backend resolves them */
const ENTITY_REF = /^[a-z][a-z0-9-]*:([^\s/:]+\/)?[^\s/:]+$/i;

const DEFAULT_REENCRYPTION_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 1 },
  timeout: { minutes: 15 },
  initialDelay: { seconds: 5 },
};
const DEFAULT_REMINDER_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { hours: 1 },
  timeout: { minutes: 5 },
  initialDelay: { minutes: 1 },
};

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The secrets backend's view of app-config; see the note at the top. */
export class SecretsConfig {
  constructor(private readonly config: Config) {}

  /** A duration (`{ days: 30 }` or ISO 8601 `P30D`), or the default. */
  #durationOr(key: string, fallback: HumanDuration): HumanDuration {
    return this.config.has(key)
      ? readDurationFromConfig(this.config, { key })
      : fallback;
  }

  #scheduleOr(
    key: string,
    fallback: () => SchedulerServiceTaskScheduleDefinition,
  ): SchedulerServiceTaskScheduleDefinition {
    const schedule = this.config.getOptionalConfig(key);
    return schedule
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(schedule)
      : fallback();
  }

  // ── Encryption keys ────────────────────────────────────────────────

  /** `secrets.encryption.keys`; undefined when none is configured. */
  encryptionKeys(): ConfiguredKey[] | undefined {
    const keys = this.config.getOptionalConfigArray('secrets.encryption.keys');
    if (!keys || keys.length === 0) return undefined;
    // getOptional, not getOptionalString: an empty value (an unset
    // environment variable) must get the keyring's message, not a type error.
    return keys.map(key => ({
      id: key.getOptional('id'),
      secret: key.getOptional('secret'),
    }));
  }

  /**
   * `secrets.encryption.provider`: the key provider that wraps new data
   * keys (default `local`, over `secrets.encryption.keys`).
   */
  encryptionProvider(): string {
    return (
      this.config.getOptionalString('secrets.encryption.provider') ?? 'local'
    );
  }

  /** `secrets.encryption.dataKeyCacheTtl`: how long unwrapped data keys are cached (default 5 minutes). */
  dataKeyCacheTtlMs(): number {
    const key = 'secrets.encryption.dataKeyCacheTtl';
    return durationToMilliseconds(
      this.config.has(key)
        ? requirePositiveDuration(
            readDurationFromConfig(this.config, { key }),
            key,
          )
        : { minutes: 5 },
    );
  }

  /** `secrets.encryption.developmentKeyFile`: a generated key, for development only. */
  developmentKeyFile(): string | undefined {
    return this.config.getOptionalString(
      'secrets.encryption.developmentKeyFile',
    );
  }

  /** `secrets.encryption.startWithUnreadableRows`: start despite rows under missing keys. */
  startWithUnreadableRows(): boolean {
    return (
      this.config.getOptionalBoolean(
        'secrets.encryption.startWithUnreadableRows',
      ) === true
    );
  }

  /** `secrets.encryption.rotation.batchSize`: rows re-encrypted per batch. */
  reencryptionBatchSize(): number {
    return (
      this.config.getOptionalNumber('secrets.encryption.rotation.batchSize') ??
      100
    );
  }

  /**
   * The re-encryption task's schedule: `secrets.encryption.rotation.schedule`
   * (a scheduler task definition), or the deprecated
   * `secrets.encryption.rotation.frequency` alone.
   */
  reencryptionSchedule(): SchedulerServiceTaskScheduleDefinition {
    return this.#scheduleOr('secrets.encryption.rotation.schedule', () => ({
      ...DEFAULT_REENCRYPTION_SCHEDULE,
      frequency: this.#durationOr('secrets.encryption.rotation.frequency', {
        minutes: 1,
      }),
    }));
  }

  // ── Shared values: pins and readers ────────────────────────────────

  /** The config key that pins a secret's value. */
  pinKey(name: string): string {
    return `secrets.values.${name}`;
  }

  /** `secrets.values.<NAME>`: a value pinned by configuration. */
  pinnedValue(name: string): string | undefined {
    return this.config.getOptionalString(this.pinKey(name));
  }

  /** The names under `secrets.values`. */
  pinnedNames(): string[] {
    return this.config.getOptionalConfig('secrets.values')?.keys() ?? [];
  }

  /** `secrets.readers.<NAME>`: the plugin ids that may read it (wins over the definition). */
  readersOf(name: string): string[] | undefined {
    return this.config.getOptionalStringArray(`secrets.readers.${name}`);
  }

  /**
   * `secrets.readers.<NAME>` as written, for start-up warnings that must not
   * fail on an entry of the wrong type (it then counts as not configured).
   */
  readersAsWritten(name: string): string[] | undefined {
    const readers = this.config.getOptional<JsonValue>('secrets.readers');
    const configured = isObject(readers) ? readers[name] : undefined;
    return Array.isArray(configured) ? configured.map(String) : undefined;
  }

  // ── Definitions declared in app-config ─────────────────────────────

  /**
   * Visits each entry of `secrets.definitions` in order, as a definition
   * registered by `app-config secrets.definitions[<index>]`. An entry that
   * cannot be read, or that `visit` refuses, throws an error naming it.
   */
  forEachDefinition(
    visit: (
      registeredBy: string,
      definition: SecretDefinition,
      entry: Config,
    ) => void,
  ): void {
    if (!this.config.has(DEFINITIONS_KEY)) return;
    let entries: Config[];
    try {
      entries = this.config.getConfigArray(DEFINITIONS_KEY);
    } catch (error) {
      throw new Error(
        `Invalid app-config ${DEFINITIONS_KEY}: it must be a list of { name, description?, obtainUrl?, obtainLabel?, format?, readers?, rotateEvery?, appConfig?, scope?, entityKinds? } (${messageOf(
          error,
        )})`,
      );
    }
    entries.forEach((entry, index) => {
      const registeredBy = `app-config ${DEFINITIONS_KEY}[${index}]`;
      try {
        visit(registeredBy, readDefinition(entry), entry);
      } catch (error) {
        throw new Error(`Invalid ${registeredBy}: ${messageOf(error)}`);
      }
    });
  }

  /**
   * The names that `secrets.definitions` declares with `appConfig: true`
   * (their stored values may be substituted into app-config as `${NAME}`).
   * Fails, naming the secret, when one also has readers here or in
   * `secrets.readers`: config is readable by every backend plugin.
   */
  appConfigSecretNames(): string[] {
    const names: string[] = [];
    this.forEachDefinition((registeredBy, definition, entry) => {
      if (entry.getOptionalBoolean('appConfig') !== true) return;
      if (this.readersAsWritten(definition.name) !== undefined) {
        throw new Error(
          `Invalid secrets.readers.${definition.name}: secret ${definition.name} is declared with appConfig: true in ${registeredBy}, and a value substituted into app-config is readable by every backend plugin, so it cannot have readers.`,
        );
      }
      names.push(definition.name);
    });
    return names;
  }

  /** `secrets.appConfig.reloadInterval`: how often app-config secrets are checked, default 10 s. */
  appConfigReloadIntervalMs(): number {
    const ms = durationToMilliseconds(
      this.#durationOr('secrets.appConfig.reloadInterval', { seconds: 10 }),
    );
    if (!(ms > 0)) {
      throw new Error(
        'Invalid secrets.appConfig.reloadInterval: it must be a positive duration, e.g. { seconds: 10 } or PT10S.',
      );
    }
    return ms;
  }

  /**
   * The header templates of `secrets.proxy.endpoints` (read by the proxy
   * module), with where each is written. Endpoint paths such as /pagerduty
   * are not valid config key parts, so the endpoints are read as plain JSON.
   */
  proxyHeaderTemplates(): Array<{ usedAt: string; template: JsonValue }> {
    const endpoints = this.config.getOptional<JsonValue>(PROXY_ENDPOINTS_KEY);
    if (!isObject(endpoints)) return [];
    return Object.entries(endpoints).flatMap(([path, endpoint]) => {
      const headers = isObject(endpoint) ? endpoint.headers : undefined;
      if (!isObject(headers)) return [];
      return Object.entries(headers).map(([header, template]) => ({
        usedAt: `${PROXY_ENDPOINTS_KEY}["${path}"].headers.${header}`,
        template: template ?? null,
      }));
    });
  }

  // ── Access ─────────────────────────────────────────────────────────

  /** `permission.enabled`: whether Backstage's permission framework decides. */
  permissionFrameworkEnabled(): boolean {
    return this.config.getOptionalBoolean('permission.enabled') === true;
  }

  /** `secrets.dangerouslyAllowManageWithoutPermissionFramework`. */
  manageWithoutPermissionFramework(): boolean {
    return (
      this.config.getOptionalBoolean(
        'secrets.dangerouslyAllowManageWithoutPermissionFramework',
      ) === true
    );
  }

  /** `secrets.allowExternalAccessToValues`: external tokens may read values. */
  allowExternalAccessToValues(): boolean {
    return (
      this.config.getOptionalBoolean('secrets.allowExternalAccessToValues') ===
      true
    );
  }

  /** The static and legacy tokens of `backend.auth.externalAccess`, with their subjects. */
  /**
   * `secrets.forwardingPlugins`: further plugins that forward requests a
   * user chooses (besides scaffolder, proxy and mcp-actions); they can
   * never read users' own values.
   */
  forwardingPlugins(): string[] {
    return (
      this.config.getOptionalStringArray('secrets.forwardingPlugins') ?? []
    );
  }

  /**
   * `secrets.acknowledgeCustomExternalTokenHandlers`: the operator knows
   * that an external token handler of their own can answer a `plugin:`
   * subject, which reads that plugin's secrets.
   */
  acknowledgeCustomExternalTokenHandlers(): boolean {
    return (
      this.config.getOptionalBoolean(
        'secrets.acknowledgeCustomExternalTokenHandlers',
      ) === true
    );
  }

  /** The type of every `backend.auth.externalAccess` entry, with its index. */
  externalAccessTypes(): Array<{ index: number; type: string | undefined }> {
    const entries =
      this.config.getOptionalConfigArray('backend.auth.externalAccess') ?? [];
    return entries.map((entry, index) => ({
      index,
      type: entry.getOptionalString('type'),
    }));
  }

  externalAccessSubjects(): Array<{
    index: number;
    type: string;
    subject: unknown;
  }> {
    const entries =
      this.config.getOptionalConfigArray('backend.auth.externalAccess') ?? [];
    return entries.flatMap((entry, index) => {
      const type = entry.getOptionalString('type');
      return type === 'static' || type === 'legacy'
        ? [{ index, type, subject: entry.getOptional('options.subject') }]
        : [];
    });
  }

  // ── History, checks, last use, events ──────────────────────────────

  /**
   * `secrets.history.keep`: how many versions of each shared secret are
   * kept. An integer of at least 1 (the current version is always in its
   * history).
   */
  historyKeep(): number {
    const key = 'secrets.history.keep';
    let keep: number | undefined;
    try {
      keep = this.config.getOptionalNumber(key);
    } catch {
      keep = NaN;
    }
    if (keep === undefined) return DEFAULT_HISTORY_KEEP;
    if (!Number.isInteger(keep) || keep < 1) {
      throw new Error(
        `${key} must be a whole number of at least 1 (the versions kept per secret, default ${DEFAULT_HISTORY_KEEP}).`,
      );
    }
    return keep;
  }

  /** The time box of a provider check: `secrets.validation.timeout`, default 10 s. */
  validationTimeoutMs(): number {
    const ms = durationToMilliseconds(
      this.#durationOr('secrets.validation.timeout', { seconds: 10 }),
    );
    if (!(ms > 0)) {
      throw new Error(
        'Invalid secrets.validation.timeout: it must be a positive duration, e.g. { seconds: 10 } or PT10S.',
      );
    }
    return ms;
  }

  /**
   * How often last-use records are written: `secrets.lastUsedFlushInterval`,
   * or the deprecated number of seconds, default 5 s.
   */
  lastUsedFlushIntervalMs(): number {
    const legacySeconds = this.config.getOptionalNumber(
      'secrets.lastUsedFlushIntervalSeconds',
    );
    return durationToMilliseconds(
      this.#durationOr(
        'secrets.lastUsedFlushInterval',
        legacySeconds !== undefined
          ? { seconds: legacySeconds }
          : { seconds: 5 },
      ),
    );
  }

  /** `secrets.events.heartbeatInterval`: how often this instance says it is alive. */
  heartbeatIntervalMs(): number {
    return durationToMilliseconds(
      this.#durationOr('secrets.events.heartbeatInterval', {
        milliseconds: DEFAULT_HEARTBEAT_INTERVAL_MS,
      }),
    );
  }

  // ── Value rotation and its reminders ───────────────────────────────

  /**
   * `secrets.rotation.<NAME>` (each wins over the definition's
   * `rotateEvery`) and `secrets.unusedAfter` (default 90 days), each a
   * positive duration.
   */
  valueRotation(): {
    overrides: Map<string, HumanDuration>;
    unusedAfter: HumanDuration;
  } {
    const overrides = new Map<string, HumanDuration>();
    const rotation = this.config.getOptionalConfig('secrets.rotation');
    for (const name of rotation?.keys() ?? []) {
      const key = `secrets.rotation.${name}`;
      overrides.set(
        name,
        requirePositiveDuration(
          readDurationFromConfig(this.config, { key }),
          key,
        ),
      );
    }
    const unusedAfterKey = 'secrets.unusedAfter';
    const unusedAfter = this.config.has(unusedAfterKey)
      ? requirePositiveDuration(
          readDurationFromConfig(this.config, { key: unusedAfterKey }),
          unusedAfterKey,
        )
      : { days: 90 };
    return { overrides, unusedAfter };
  }

  /** The entity refs that receive rotation reminders: `secrets.reminders.recipients`. */
  reminderRecipients(): string[] {
    const recipients =
      this.config.getOptionalStringArray(RECIPIENTS_KEY) ?? DEFAULT_RECIPIENTS;
    const invalid = recipients.filter(ref => !ENTITY_REF.test(ref));
    if (recipients.length === 0 || invalid.length > 0) {
      throw new Error(
        `${RECIPIENTS_KEY} must be a non-empty list of entity refs such as 'group:default/admins' or 'user:default/alice'${
          invalid.length > 0
            ? `; not entity refs: ${invalid.map(ref => `'${ref}'`).join(', ')}`
            : ''
        }.`,
      );
    }
    return recipients;
  }

  /** The rotation reminder task's schedule: `secrets.reminders.schedule`, or hourly. */
  reminderSchedule(): SchedulerServiceTaskScheduleDefinition {
    return this.#scheduleOr(
      'secrets.reminders.schedule',
      () => DEFAULT_REMINDER_SCHEDULE,
    );
  }

  // ── Users' own values ──────────────────────────────────────────────

  /** How long entities' values outlive their entity in the catalog: default 30 days. */
  entitySecretOrphanGracePeriodMs(): number {
    return durationToMilliseconds(
      this.#durationOr('secrets.entitySecrets.orphanGracePeriod', { days: 30 }),
    );
  }

  /** How long users' values outlive their owner in the catalog: default 30 days. */
  userSecretOrphanGracePeriodMs(): number {
    return durationToMilliseconds(
      this.#durationOr('secrets.userSecrets.orphanGracePeriod', { days: 30 }),
    );
  }
}

/** One entry of `secrets.definitions`; unknown keys are refused. */
function readDefinition(entry: Config): SecretDefinition {
  const unknown = entry.keys().filter(key => !DEFINITION_KEYS.has(key));
  if (unknown.length > 0) {
    throw new Error(
      `unknown key${unknown.length > 1 ? 's' : ''} ${unknown
        .map(key => `'${key}'`)
        .join(', ')}; allowed are ${[...DEFINITION_KEYS].join(', ')}`,
    );
  }
  const definition: SecretDefinition = { name: entry.getString('name') };
  const description = entry.getOptionalString('description');
  if (description !== undefined) definition.description = description;
  const obtainUrl = entry.getOptionalString('obtainUrl');
  if (obtainUrl !== undefined) definition.obtainUrl = obtainUrl;
  const obtainLabel = entry.getOptionalString('obtainLabel');
  if (obtainLabel !== undefined) definition.obtainLabel = obtainLabel;
  const format = entry.getOptionalString('format');
  if (format !== undefined) {
    definition.format = format as SecretDefinition['format'];
  }
  const readers = entry.getOptionalStringArray('readers');
  if (readers !== undefined) definition.readers = readers;
  const scope = entry.getOptionalString('scope');
  if (scope !== undefined) {
    definition.scope = scope as SecretDefinition['scope'];
  }
  const entityKinds = entry.getOptionalStringArray('entityKinds');
  if (entityKinds !== undefined) definition.entityKinds = entityKinds;
  if (
    entry.getOptionalBoolean('appConfig') &&
    definition.scope &&
    definition.scope !== 'shared'
  ) {
    throw new Error(
      `secret ${definition.name} has appConfig: true and scope: ${definition.scope}: app-config holds one value for the whole installation, so only a shared secret can be used there. Remove one of them.`,
    );
  }
  if (entry.getOptionalBoolean('appConfig') && readers) {
    throw new Error(
      `secret ${definition.name} has appConfig: true and readers: a value substituted into app-config is readable by every backend plugin, so it cannot have readers. Remove one of them.`,
    );
  }
  if (entry.has('rotateEvery')) {
    definition.rotateEvery = readDurationFromConfig(entry, {
      key: 'rotateEvery',
    });
  }
  return definition;
}
