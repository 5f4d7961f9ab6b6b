import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;
type ValidatorFactory = ReturnType<typeof AjvCompiler>;
type Validate = ReturnType<ReturnType<ValidatorFactory>>;
type SerializerRoute = Parameters<ReturnType<ReturnType<typeof SerializerSelector>>>[0];

/**
 * Fastify's own compilers, each schema compiled at its first use instead of when the server gets
 * ready: that compiling was 0.8 s of CPU in every start (536 response serializers and 144
 * validators, most for routes a given gateway never serves). A schema Fastify meets again (every
 * route's error bodies are the same objects) is compiled once. The server's ajv options reach the
 * compiler unchanged. No route has a headers schema: Fastify lowercases such a schema's keys only
 * for its default compiler, so one added would have to name them in lowercase.
 */
export function lazySchemaCompilers(): CompilersFactory {
  const validators = AjvCompiler();
  const serializers = SerializerSelector();
  return {
    buildValidator: (
      externalSchemas: Parameters<ValidatorFactory>[0],
      options?: Parameters<ValidatorFactory>[1],
    ) => {
      const compile = validators(externalSchemas, options);
      // typed as taking the schema; it takes the route's definition and reads its `schema`
      return oncePerSchema((route: { schema?: unknown }) =>
        lazyValidator(lazy(() => compile(route as Parameters<typeof compile>[0]))),
      ) as never;
    },
    buildSerializer: (externalSchemas, options) => {
      const compile = serializers(externalSchemas, options as never);
      return oncePerSchema((route: SerializerRoute) => {
        const serializer = lazy(() => compile(route));
        return (doc: unknown) => serializer()(doc);
      });
    },
  };
}

/** `make()` called on the first call only. */
function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

/**
 * One function per schema object, whichever route asks. The schema is read when it is compiled, so
 * nothing may rewrite route schemas after they are registered (the OpenAPI document's refinement
 * rewrites copies: openapi/refine.ts).
 */
function oncePerSchema<R extends { schema?: unknown }, F>(make: (route: R) => F): (route: R) => F {
  const made = new WeakMap<object, F>();
  return (route) => {
    const key = route.schema;
    if (typeof key !== 'object' || key === null) return make(route);
    const known = made.get(key);
    if (known) return known;
    const fn = make(route);
    made.set(key, fn);
    return fn;
  };
}

/**
 * Fastify reads `errors` after a failed validation, and `schemaEnv` to learn whether to hand the
 * validator the parent object (so ajv may coerce a root value): both come from the compiled one.
 */
function lazyValidator(compiled: () => Validate): Validate {
  const validate = ((data: unknown, context?: unknown) =>
    (compiled() as (d: unknown, c?: unknown) => boolean)(data, context)) as unknown as Validate;
  Object.defineProperty(validate, 'errors', { get: () => compiled().errors });
  Object.defineProperty(validate, 'schemaEnv', { get: () => compiled().schemaEnv });
  return validate;
}
