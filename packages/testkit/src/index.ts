export * from './kafka/index.js';
