/**
 * The mining request's schema: every setting declared once ({@link dev.quarry.options.MineSettings}: name,
 * type, default, valid range, meaning, doors), the immutable request object built from them
 * ({@link dev.quarry.options.MineOptions}), the errors they raise ({@link dev.quarry.options.OptionError}), and
 * how each door spells a setting ({@link dev.quarry.options.Door}). Every door maps to these declarations;
 * no other package declares an option name of the request.
 */
package dev.quarry.options;
