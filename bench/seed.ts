/*
 * Stores benchmark values through the secrets plugin's own REST API (PUT
 * /secrets/:name with a real user token), as an admin would: the benchmark
 * uses only the plugin's public surface. Several PUTs run at once to keep
 * seeding thousands of values short. The values are obvious benchmark
 * values (`bench-value-000123`).
 */

export function benchValue(index: number, round = 0): string {
  const n = String(index).padStart(6, '0');
  return round === 0 ? `bench-value-${n}` : `bench-value-${n}-r${round}`;
}

/** Stores each name's benchmark value with `put`, `concurrency` at a time. */
export async function seedValues(options: {
  names: string[];
  put: (name: string, value: string) => Promise<void>;
  concurrency?: number;
}): Promise<void> {
  const queue = [...options.names];
  const putNext = async (): Promise<void> => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      const index = Number(name.slice(name.lastIndexOf('_') + 1));
      await options.put(name, benchValue(index));
    }
  };
  await Promise.all(
    Array.from({ length: options.concurrency ?? 8 }, () => putNext()),
  );
}
