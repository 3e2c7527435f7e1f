"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.CASES_DIR_ENV = void 0;
exports.findUpwards = findUpwards;
exports.referenceCasesDir = referenceCasesDir;
exports.loadServerModule = loadServerModule;
/**
 * Finds the reference cases and the compiled server modules from wherever the tests run.
 *
 * Compiled tests live one folder deeper (`test/out/unit`) than their sources (`test/unit`), so no
 * relative import of `server/out` works both for tsc and at run time; and CI clones the repository
 * into another folder with `shared/` beside it. Both are solved by walking up from `__dirname`.
 */
const fs = __importStar(require("fs"));
const path = __importStar(require("path"));
/** Environment variable that overrides where the reference cases are. */
exports.CASES_DIR_ENV = 'RUST_FUTURE_SIZE_CASES';
/** The nearest ancestor of `start` (itself included) for which `accept` holds, or null. */
function findUpwards(start, accept) {
    let dir = path.resolve(start);
    for (;;) {
        if (accept(dir)) {
            return dir;
        }
        const parent = path.dirname(dir);
        if (parent === dir) {
            return null;
        }
        dir = parent;
    }
}
/** `shared/reference/cases` beside or above the repository; throws with the places it looked. */
function referenceCasesDir(from = __dirname) {
    const override = process.env[exports.CASES_DIR_ENV];
    if (override) {
        return path.resolve(override);
    }
    const base = findUpwards(from, (dir) => isDirectory(path.join(dir, 'shared', 'reference', 'cases')));
    if (base === null) {
        throw new Error(`cannot find shared/reference/cases in any folder above ${from}; ` +
            `put shared/ beside the repository or set ${exports.CASES_DIR_ENV}`);
    }
    return path.join(base, 'shared', 'reference', 'cases');
}
/**
 * Loads a compiled server module by its path under `server/out` (e.g. `rustc/printTypeSizes`).
 * Type it with `typeof import('../../server/src/…')`, which tsc resolves through the project reference.
 */
function loadServerModule(modulePath, from = __dirname) {
    const file = path.join('server', 'out', `${modulePath}.js`);
    const root = findUpwards(from, (dir) => fs.existsSync(path.join(dir, file)));
    if (root === null) {
        throw new Error(`cannot find ${file} above ${from}; run \`npx tsc -b\` first`);
    }
    return require(path.join(root, file));
}
function isDirectory(dir) {
    try {
        return fs.statSync(dir).isDirectory();
    }
    catch {
        return false;
    }
}
//# sourceMappingURL=repoPaths.js.map