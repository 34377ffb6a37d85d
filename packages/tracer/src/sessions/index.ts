export { openSession, hasSession, SESSION_RUNNERS, type TestSession, type OpenSessionOptions } from './session.js';
