{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "yqfKPXrSSC8N+0ahi4y3/8j5QDbZPV5TzcUPQ1hF06tiQloaKIkWW1JcwZMLHPhkOkpSO7GcXS6WQVt/IpBuAA=="
}
