{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "aJHj5mdVznXZn+uvEIiqRwzZmhy4w3Ljcf3IttlmblK2uPjlGjAaQf/KO4aIfElr+u4h2f9J9K7bmkRGtrn/Bg=="
}
