export * from './declaration.js';
export * from './schema.js';
