import type { Request } from 'express';
import type { z } from 'zod';
import {
  parseInput,
  secretNameSchema,
  setSecretBodySchema,
} from '../../schema';

type Schema<T> = z.ZodType<T, z.ZodTypeDef, unknown>;

/** The validated `:name`. */
export function nameOf(req: Request): string {
  return parseInput(secretNameSchema, req.params.name, 'secret name');
}

/** Another validated path parameter; `what` names it in the error. */
export function paramOf<T>(
  req: Request,
  key: string,
  schema: Schema<T>,
  what: string,
): T {
  return parseInput(schema, req.params[key], what);
}

/** The validated JSON body. */
export function bodyOf<T>(schema: Schema<T>, body: unknown): T {
  return parseInput(schema, body, 'request body');
}

/** The validated name and body of a PUT of a value. */
export function setRequestOf(req: Request) {
  return { name: nameOf(req), ...bodyOf(setSecretBodySchema, req.body) };
}
