{
  "algorithm": "ed25519",
  "key_id": "1325e664cb5da318",
  "signature": "Cb70jYE5rhxIXlm6SJvntlFzPoInfp26WCEFjVFW1KE37iWcFEGKUrGKjIKsQxrfSEwj1WYhkRemN2mvqgPnDQ=="
}
