/** This checkout's root: manifests, node scripts, stack files, the toolchain and .netlab/ are resolved from it. */
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "..");
