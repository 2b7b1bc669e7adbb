// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./ERC20.sol";

/// pUSD-like collateral: a 1:1 ERC-20 wrapper of the legacy collateral (6 decimals).
contract PUSD is ERC20 {
    ERC20 public immutable underlying;

    constructor(ERC20 underlying_) ERC20("Polymarket USD sandbox", "pUSD") {
        underlying = underlying_;
    }

    /// Pull `value` legacy collateral from the caller and mint as much pUSD to `to`.
    function wrap(address to, uint256 value) external {
        require(underlying.transferFrom(msg.sender, address(this), value), "PUSD: pull failed");
        _mint(to, value);
    }

    /// Burn the caller's pUSD and pay as much legacy collateral to `to`.
    function unwrap(address to, uint256 value) external {
        _burn(msg.sender, value);
        require(underlying.transfer(to, value), "PUSD: pay failed");
    }
}
