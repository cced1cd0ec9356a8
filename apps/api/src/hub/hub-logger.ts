/** The logging the hub needs (a pino logger fits). */
export interface HubLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}
