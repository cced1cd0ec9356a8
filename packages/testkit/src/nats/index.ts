export { type NatsServer, startNats } from './nats-server.js';
