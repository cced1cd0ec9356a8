export { HttpRequester, type RequesterOptions } from './http-requester.js';
export { HttpTransport, type HttpTransportOptions } from './http-transport.js';
