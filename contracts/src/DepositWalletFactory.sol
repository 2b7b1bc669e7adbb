// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./DepositWallet.sol";

/// Creates deposit wallets at CREATE2 addresses (salt keccak256(abi.encode(owner))) and is
/// the relayer's entry point for their signed batches.
contract DepositWalletFactory {
    event WalletCreated(address owner, address wallet);

    function createWallet(address owner) external returns (address wallet) {
        wallet = walletFor(owner);
        if (wallet.code.length > 0) return wallet;
        DepositWallet created = new DepositWallet{salt: _salt(owner)}(owner);
        require(address(created) == wallet, "DepositWalletFactory: address mismatch");
        emit WalletCreated(owner, wallet);
    }

    function walletFor(address owner) public view returns (address) {
        bytes32 initCode = keccak256(abi.encodePacked(type(DepositWallet).creationCode, abi.encode(owner)));
        bytes32 hash = keccak256(abi.encodePacked(bytes1(0xff), address(this), _salt(owner), initCode));
        return address(uint160(uint256(hash)));
    }

    function execute(address wallet, uint256 nonce, uint256 deadline, Call[] calldata calls, bytes calldata signature)
        external
    {
        // Only wallets of this factory: the relayer is told to send to the factory, so the
        // factory must not forward to arbitrary contracts on the relayer's gas.
        require(wallet.code.length > 0, "DepositWalletFactory: no wallet there");
        address owner = DepositWallet(payable(wallet)).owner();
        require(walletFor(owner) == wallet, "DepositWalletFactory: not a wallet of this factory");
        DepositWallet(payable(wallet)).executeBatch(nonce, deadline, calls, signature);
    }

    function _salt(address owner) private pure returns (bytes32) {
        return keccak256(abi.encode(owner));
    }
}
