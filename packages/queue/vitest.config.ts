import { defineProjectConfig } from '../../tools/vitest.shared.js';

export default defineProjectConfig('queue');
