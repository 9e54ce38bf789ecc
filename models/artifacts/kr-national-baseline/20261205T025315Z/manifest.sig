{
  "algorithm": "ed25519",
  "key_id": "1325e664cb5da318",
  "signature": "zd74qv7/P2ClH5RWbQC7aiLCCisy6rLvNdt7lKdm64K+6+rsK3j5ibbPrEEdp6Okj/tBrHQfl/Qo0Cj3boe2Dw=="
}
