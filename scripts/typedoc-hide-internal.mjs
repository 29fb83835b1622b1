// @ts-check
/**
 * A TypeDoc plugin: drops `implements` entries that name an internal interface, as
 * scripts/strip-internal.ts does for the published declarations. Public classes
 * implement internal interfaces (`Self`, `From`), which are not exported; without this,
 * TypeDoc warns that the docs reference them, and `npm run docs` treats warnings as
 * errors. Loaded through typedoc.json's `plugin`.
 */
import { Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const project = context.project;
    for (const reflection of project.getReflectionsByKind(ReflectionKind.Class)) {
      if (!(reflection instanceof Object) || !('implementedTypes' in reflection)) continue;
      const types = reflection.implementedTypes;
      if (types === undefined) continue;
      const kept = types.filter(
        (type) =>
          type.type !== 'reference' ||
          type.reflection !== undefined ||
          type.externalUrl !== undefined ||
          type.package !== project.packageName,
      );
      reflection.implementedTypes = kept.length > 0 ? kept : undefined;
    }
  });
}
