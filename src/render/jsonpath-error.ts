/**
 * A `-o jsonpath` template kubectl would refuse, said in a sentence. Apart from the parser, so a
 * command can tell it from other failures without loading the parser's library.
 */
export class JsonPathError extends Error {}
