/**
 * The optional native addons (MPI, the HDF5 writer): each is built only where its library is found, so loading it
 * may fail; the error then says which feature needs it, why it is missing and what to install.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface OptionalAddon {
  /** build/Release/<file> unless the environment variable names another build. */
  file: string;
  env: string;
  /** What needs the addon (the start of every message), and what it is: "--export-h5", "HDF5 writer". */
  feature: string;
  what: string;
  /** The library it needs: "HDF5". */
  library: string;
  /** What to install and rebuild. */
  install: string;
}

/** Where the addon is looked for. */
export function optionalAddonFile(addon: OptionalAddon): string {
  return process.env[addon.env] || path.join(root, 'build', 'Release', addon.file);
}

/** Loads the addon, or throws `unavailable(message)` naming the missing file or the loading error. */
export function loadOptionalAddon<T>(addon: OptionalAddon, unavailable: (message: string) => Error): T {
  const file = optionalAddonFile(addon);
  if (!existsSync(file)) {
    throw unavailable(`${addon.feature}: this spikegrad has no ${addon.what} (${file} was not built: no ${addon.library} library was found when it was built); ${addon.install}`);
  }
  try {
    return createRequire(import.meta.url)(file) as T;
  } catch (err) {
    throw unavailable(`${addon.feature}: ${file} does not load (${(err as Error).message.split('\n')[0]}); ${addon.install}`);
  }
}

/** How to rebuild spikegrad's native part from source, for the install hints. */
export const REBUILD = 'rebuild spikegrad from source (npm run build:native in a checkout; SPIKEGRAD_BUILD_FROM_SOURCE=1 npm rebuild spikegrad in an installation, with cmake-js and node-addon-api installed)';
