import { Config, readDurationFromConfig } from '@backstage/config';
import type { HumanDuration } from '@backstage/types';

/** A duration from config (`{ minutes: 1 }` or an ISO string), or the default. */
export function readDurationFromConfigOr(
  config: Config,
  key: string,
  fallback: HumanDuration,
): HumanDuration {
  return config.has(key) ? readDurationFromConfig(config, { key }) : fallback;
}
