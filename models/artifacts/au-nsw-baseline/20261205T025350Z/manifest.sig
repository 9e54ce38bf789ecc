{
  "algorithm": "ed25519",
  "key_id": "1325e664cb5da318",
  "signature": "uUBQP/R3nSYVlXdndrPuHvtzq51suew1taZVMVZybtj+rAympSIf3zWGIbzwE4QAnPGqBgS5iKE1h8SVRptzAw=="
}
