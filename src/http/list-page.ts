import { type TObjectOptions, type TSchema, Type } from 'typebox';

/**
 * The answer of every list route: `{ items, nextCursor }`. `nextCursor` is the `?cursor=` of the
 * next page, or null on the last one (always null for lists that come whole).
 */
export const ListPage = <T extends TSchema>(item: T, options: TObjectOptions = {}) =>
  Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], {
        description: 'pass as ?cursor= for the next page; null on the last page',
      }),
    },
    options,
  );

/** `?cursor=` of the paged list routes: the `nextCursor` of the page before. */
export const CursorQuery = Type.Optional(
  Type.String({ minLength: 1, maxLength: 200, description: 'the nextCursor of the page before' }),
);

/** A list that always comes whole, in the one list shape. */
export const wholeList = <T>(items: T[]): { items: T[]; nextCursor: null } => ({ items, nextCursor: null });
