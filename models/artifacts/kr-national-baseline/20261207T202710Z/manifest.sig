{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "LCYKaE9pnq55s/oYp3JvLuP8HnpxzqqxKB+LOMgYLyomOx3GEYiQMXKtgJbHGULKMle4+PfutKJ8HFlNSbA0Dw=="
}
