{
  "algorithm": "ed25519",
  "key_id": "1325e664cb5da318",
  "signature": "9viIOABZOjRJhQX2GSoSp/fpwguSS/puTwSVx53wM6cnSG2hQC1mjnOkA1bVouqzWvTKTogWQP9v8vdi7c6HBg=="
}
