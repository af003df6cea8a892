import pkg from '../../package.json' with { type: 'json' };

/** The version, from package.json (the one place it is written); the build bundles it. */
export const VERSION: string = pkg.version;
