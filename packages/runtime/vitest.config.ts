import { defineProjectConfig } from '../../tools/vitest.shared.js';

// Docker tests share one engine and two cores with everyone else: run files one after another.
export default defineProjectConfig('runtime', { fileParallelism: false });
