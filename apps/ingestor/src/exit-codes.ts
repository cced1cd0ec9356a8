/** Exit codes of `cache-ingestor`. */
export const EXIT_OK = 0;
/** A failure at run time: a dependency stayed away, the input could not be read. */
export const EXIT_FAILURE = 1;
/** Bad usage or configuration, including credentials refused by Redis or the cache API at run time. */
export const EXIT_CONFIG = 2;
