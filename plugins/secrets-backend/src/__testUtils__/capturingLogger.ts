import {
  coreServices,
  createServiceFactory,
  LoggerService,
  RootLoggerService,
} from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import { registerCapture } from './canaries';

/** Everything the backend logged, audit events included, as JSON lines. */
export class LogCapture {
  readonly lines: string[] = [];

  constructor() {
    registerCapture(() => this.text());
  }

  logger(meta: JsonObject = {}): RootLoggerService {
    const write =
      (level: string) => (message: string, extra?: Error | JsonObject) => {
        const detail =
          extra instanceof Error
            ? {
                error: {
                  name: extra.name,
                  message: extra.message,
                  stack: extra.stack,
                },
              }
            : extra;
        this.lines.push(JSON.stringify({ level, message, ...meta, ...detail }));
      };
    const logger: LoggerService = {
      error: write('error'),
      warn: write('warn'),
      info: write('info'),
      debug: write('debug'),
      child: (childMeta: JsonObject) => this.logger({ ...meta, ...childMeta }),
    };
    return logger;
  }

  /** A root logger factory for startTestBackend. */
  factory() {
    return createServiceFactory({
      service: coreServices.rootLogger,
      deps: {},
      factory: () => this.logger(),
    });
  }

  text(): string {
    return this.lines.join('\n');
  }

  matching(pattern: RegExp): string[] {
    return this.lines.filter(line => pattern.test(line));
  }
}
