export { collectSite, detectKind } from './collect.js';
export { layoutGraph, assignLayers, type LayoutNode, type Position } from './layout.js';
export { writeSite, taskDataName, PAGES, type WriteSiteResult } from './site.js';
export { serveSite, type SiteServer } from './serve.js';
export { buildView, type BuildViewOptions, type BuildViewResult } from './view.js';
export type * from './model.js';
