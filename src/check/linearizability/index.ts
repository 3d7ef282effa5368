export {checkRegisterHistory} from './check-register.js'
export {HistoryFormatError} from './errors.js'
export {parseHistoryJsonl} from './parse-history.js'
export {formatKey, formatOp, formatValue} from './format.js'
export {generateRegisterHistory, type GenerateOptions} from './generate-history.js'
export type {
  CasPair,
  CheckOptions,
  EntryType,
  ParsedHistory,
  Process,
  RegisterCheckResult,
  RegisterFailure,
  RegisterFn,
  RegisterHistoryEntry,
  RegisterKey,
  RegisterOp,
  Scalar,
  Verdict,
} from './types.js'
