import { z } from 'zod';

/**
 * The tracing settings (OpenTelemetry), read by `env.ts` from the standard variables:
 *
 * - `ENABLE_OTEL` (`true`/`false`, default false): the switch. Nothing is started without it, and
 *   `OTEL_EXPORTER_OTLP_ENDPOINT` alone does not turn tracing on (an endpoint inherited from the
 *   platform must not make every request pay for spans).
 * - `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`: off, whatever `ENABLE_OTEL` says.
 * - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (full URL of the traces path), else
 *   `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; default `http://localhost:4318/v1/traces`.
 * - `OTEL_EXPORTER_OTLP_PROTOCOL` / `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`: `http/json` only (what
 *   `@opentelemetry/exporter-trace-otlp-http` sends; every OTLP/HTTP receiver takes it); any other
 *   value is a configuration error rather than a silent switch.
 * - `OTEL_EXPORTER_OTLP_HEADERS`: `key=value,…` (W3C baggage format, values URL-decoded), ≤ 8 KiB.
 * - `OTEL_SERVICE_NAME` (default the app's name), `OTEL_TRACES_SAMPLER` (`always_on`, `always_off`,
 *   `traceidratio`, `parentbased_always_on` (default), `parentbased_always_off`,
 *   `parentbased_traceidratio`) and `OTEL_TRACES_SAMPLER_ARG` (ratio 0…1, default 1).
 */
export interface TracingSettings {
  enabled: boolean;
  serviceName: string;
  /** Full URL the spans are POSTed to. */
  url: string;
  headers: Record<string, string>;
  sampler: TracesSampler;
  ratio: number;
}

export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

const flag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');

const httpUrl = z
  .string()
  .max(2_048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL');

const headerList = z
  .string()
  .max(8_192)
  .transform((text, ctx): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const part of text.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      const name = eq > 0 ? part.slice(0, eq).trim() : '';
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/.test(name)) {
        ctx.issues.push({
          code: 'custom',
          message: 'expected key=value pairs separated by commas',
          input: '(hidden)',
        });
        return z.NEVER;
      }
      let value: string;
      try {
        value = decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        value = part.slice(eq + 1).trim();
      }
      if (/[\u0000-\u001f\u007f]/.test(value)) {
        ctx.issues.push({
          code: 'custom',
          message: 'a header value holds a control character',
          input: '(hidden)',
        });
        return z.NEVER;
      }
      out[name.toLowerCase()] = value;
    }
    return out;
  });

/** The zod fields `env.ts` spreads into its schema (blank variables count as unset there). */
export const tracingEnvShape = {
  ENABLE_OTEL: flag.default(false),
  OTEL_SDK_DISABLED: flag.default(false),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).default('otlp'),
  OTEL_SERVICE_NAME: z
    .string()
    .max(256)
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters')
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.literal('http/json', { message: 'only http/json is supported' }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z
    .literal('http/json', { message: 'only http/json is supported' })
    .optional(),
  OTEL_EXPORTER_OTLP_HEADERS: headerList.optional(),
  OTEL_TRACES_SAMPLER: z.enum(TRACES_SAMPLERS).default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
};

const TracingEnv = z.object(tracingEnvShape);
export type TracingEnv = z.output<typeof TracingEnv>;

/** The settings from the parsed variables; `serviceName` is the default `OTEL_SERVICE_NAME`. */
export function tracingSettingsOf(env: TracingEnv, serviceName: string): TracingSettings {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318';
  return {
    enabled: env.ENABLE_OTEL && !env.OTEL_SDK_DISABLED && env.OTEL_TRACES_EXPORTER === 'otlp',
    serviceName: env.OTEL_SERVICE_NAME ?? serviceName,
    url: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${base.replace(/\/+$/, '')}/v1/traces`,
    headers: env.OTEL_EXPORTER_OTLP_HEADERS ?? {},
    sampler: env.OTEL_TRACES_SAMPLER,
    ratio: env.OTEL_TRACES_SAMPLER_ARG,
  };
}

/** Parses the tracing variables alone (for tests and for apps that do not spread the shape). */
export function parseTracingEnv(source: Record<string, string | undefined>): TracingEnv {
  const present: Record<string, string> = {};
  for (const key of Object.keys(tracingEnvShape)) {
    const value = source[key];
    if (value !== undefined && value.trim() !== '') present[key] = value;
  }
  return TracingEnv.parse(present);
}
