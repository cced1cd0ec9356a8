/** The IPC side of a bench server process: `stop` ends it, `cpu` answers its CPU time so far. */
export interface CpuReply {
  cpu: NodeJS.CpuUsage;
}

export function answerBench(stop: () => Promise<void>): void {
  process.on('message', (message) => {
    if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() } satisfies CpuReply);
    if (message === 'stop') void stop().then(() => process.exit(0));
  });
}
