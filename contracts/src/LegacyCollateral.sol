// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./ERC20.sol";

/// The USDC.e-like legacy collateral: standard CLOB outcome tokens are keyed to it.
/// The deployer (the sandbox's faucet) may mint.
contract LegacyCollateral is ERC20 {
    address public immutable minter;

    constructor() ERC20("USD Coin (PoS) sandbox", "USDC.e") {
        minter = msg.sender;
    }

    function mint(address to, uint256 value) external {
        require(msg.sender == minter, "LegacyCollateral: not minter");
        _mint(to, value);
    }
}
