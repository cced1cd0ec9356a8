/** What /health/live and /health/ready report, fed by the pipeline and the Kafka source. */

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface Check {
  ok: boolean;
  /** When false: a problem that waits (degraded) or one that stops the work (unhealthy). */
  severity: 'degraded' | 'unhealthy';
  message: string;
  since: string;
}

export interface HealthReport {
  status: HealthStatus;
  checks: Record<string, Check>;
  timestamp: string;
}

export class HealthState {
  readonly #checks = new Map<string, Check>();
  #live = true;
  #liveMessage = 'running';

  /** Marks a component healthy, or failing with a severity and a message. */
  set(component: string, ok: boolean, message: string, severity: Check['severity'] = 'degraded'): void {
    const previous = this.#checks.get(component);
    const since = previous && previous.ok === ok ? previous.since : new Date().toISOString();
    this.#checks.set(component, { ok, severity, message, since });
  }

  get(component: string): Check | undefined {
    return this.#checks.get(component);
  }

  /** The process cannot go on (the consumer crashed for good): liveness fails so it gets restarted. */
  fail(message: string): void {
    this.#live = false;
    this.#liveMessage = message;
  }

  get live(): { ok: boolean; message: string } {
    return { ok: this.#live, message: this.#liveMessage };
  }

  /** Combines the checks (plus extra ones measured now, like a Redis PING). */
  report(extra: Record<string, Check> = {}): HealthReport {
    const checks = { ...Object.fromEntries(this.#checks), ...extra };
    let status: HealthStatus = 'healthy';
    for (const c of Object.values(checks)) {
      if (c.ok) continue;
      if (c.severity === 'unhealthy') status = 'unhealthy';
      else if (status === 'healthy') status = 'degraded';
    }
    if (!this.#live) status = 'unhealthy';
    return { status, checks, timestamp: new Date().toISOString() };
  }
}
