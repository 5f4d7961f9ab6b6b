import { postmanCollection } from './postman.ts';
import type { OpenApiDocument } from './refine.ts';

/** The files `npm run openapi` writes, by path from the repository's root, from the served document. */
export function openapiArtifacts(doc: OpenApiDocument): Record<string, unknown> {
  return {
    'docs/openapi.json': doc,
    'docs/zapgate.postman_collection.json': postmanCollection(doc),
  };
}

/** The settings the document is exported with: none of an operator's environment leaks into it. */
export const EXPORT_ENV = { API_KEY: 'zg_openapi_export_0123456789', LOG_LEVEL: 'silent' } as const;
